/** `stv help integrations`: where other programs plug in (README "Integrations" has the full text). */
export const INTEGRATIONS_HELP = `Integrations: git, ssh-agent, programs that read secrets, password audit, TOTP, pickers

git credentials
  $ git config --global credential.helper stv
  git runs git-credential-stv get|store|erase. get answers from the entry whose
  URL matches protocol, host and port (path with credential.useHttpPath,
  username when git has one); store adds or updates an entry under Git/
  (config gitCredentialGroup); erase moves an exact match to the recycle bin.
  The master password comes from the agent, --password-file or /dev/tty, never
  from git's stdin; locked with no terminal, get prints nothing and git asks.

SSH keys into ssh-agent
  $ stv ssh-add                   keys KeePassXC adds when the database opens
  $ stv ssh-add Servers/web1 --lifetime 8h
  $ stv ssh-add --list
  Honours KeePassXC's KeeAgent.settings (allow, add at open, remove on close,
  confirm, lifetime, attachment or file). The passphrase is the entry's
  password. Keys go over SSH_AUTH_SOCK, never to disk or a command line.
  Default lifetime: the vault's auto-lock time; 'stv lock' removes them.

Secrets for programs
  $ stv exec -f DB_PASSWORD=Db/prod -- ./server       the server reads $DB_PASSWORD_FILE
  $ stv exec --stdin Registry -- docker login -u fred --password-stdin
  Files are 0600 on tmpfs and removed when the command ends, or stv dies.

Password audit
  $ stv audit -v --older-than 1y
  $ stv audit --hibp pwned-passwords-sha1-ordered-by-hash-v8.txt
  $ stv audit --hibp-online
  Weak, reused, short, old, expired, breached; exit 1 when something is found.
  --hibp searches the file ordered by hash in place (milliseconds for 35 GB);
  --hibp-online sends 5 hex digits of each SHA-1 (config hibpRangeUrl).

TOTP
  $ stv totp set GitHub           paste an otpauth:// URI or a base32 secret
  $ stv totp GitHub --qr          a QR code on the terminal, for a phone
  $ stv --json totp GitHub        {code, period, remaining}

Picker
  $ stv pick                      fzf over entry paths; Enter copies the password
  $ stv pick --picker rofi -f username
  $ stv pick --best github -f totp`;
