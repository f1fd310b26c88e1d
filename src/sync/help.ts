/** `stv help sync`: how copies on sticks converge, and how to run sync unattended. */
export const SYNC_HELP = `Sticks and sync

A stick is any mounted directory with .stickvault/stick.json (a random id, a
label, and which vault file it holds). Prepare one and put a vault on it:

  stv --vault personal stick init /media/fred/WHITE --label white
  stv --vault financial stick init /media/fred/BLACK --label black-backup

stv sync [VAULT...] [--all] brings every reachable copy of a vault — the
local file and every mounted stick that holds it — to the same content:

  1. all copies identical: nothing to do, no key needed;
  2. one copy this machine wrote, or opened with the key, descends from all
     the others (its private ledger says so — clocks are never trusted, and
     a stick's sidecar, .stickvault/VAULTID.state.json, is only a hint): it
     is copied over them, no key needed;
  3. otherwise the key is asked for (agent, --password-file, prompt) and all
     copies are merged in one step, each against its base (the last state
     every copy got, kept as .stickvault/VAULTID.base.kdbx on each stick), so
     the result is the same whichever copy is local and in whatever order the
     sticks are found: entries by UUID, an edit the other copies' histories
     already hold supersedes them, concurrent edits merge field by field (the
     same field edited differently keeps both values: one current, the other
     in history, the entry tagged; 'stv conflicts' shows them, 'stv resolve'
     settles them), and a deletion removes only what it had seen. A copy
     that does not open with the key (forged or damaged) is replaced and kept
     as a generation.

Each copy is written to a temp file, fsynced, renamed and read back before
the next one, then gets its new base; the last 5 versions stay in
.stickvault/backups/ (--generations). A stick that is full, read-only, pulled
out or holds another vault is reported as failed; the other copies still
converge and its old file stays readable. Nothing on a stick is followed out
of it: a link, FIFO or device where a file belongs is reported and left
alone. Exit 0 when every copy converged, 7 when one failed, a damaged copy
was replaced or a conflict needs a look. Two syncs of one vault at once are
refused.

The report names every copy, the known sticks holding the vault that are not
mounted ("white-backup  not mounted  2 syncs behind"), the changes a merge
made to the local copy, and for a conflict the fields and copies involved.
--dry-run says what would be done ("would update") and lists every change.

stv stick ls shows every known stick, whether it is mounted, and how far
behind it is (local edits since the last sync included); stv stick forget
LABEL drops one from this machine's list.

Folders a sync tool keeps, and their conflict copies
  Syncthing, Nextcloud, Dropbox, Google Drive or OneDrive (no mount needed):
    stv replica add ~/Sync          # the vault file goes there, synced now
    stv sync                        # local + sticks + folders, one merge
    stv replica ls                  # every copy of every vault, how far behind
  A conflict copy beside any copy (personal.sync-conflict-20240301-101500-
  ABCD123.kdbx, "personal (conflicted copy 2024-03-01 101500).kdbx",
  "personal (Fred's conflicted copy 2024-03-01).kdbx", "personal (1).kdbx",
  personal-DESKTOP-4F2K9Q1.kdbx) is merged in with the same key and moved to
  .stickvault/merged-conflicts/ once the copy beside it holds the result;
  one that is another vault or damaged is reported and left where it is. A
  folder is read like a stick (no link followed, bounded); its base stays in
  this machine's private state. stv replica rm LABEL stops syncing it.

Any rclone remote (SFTP, WebDAV, S3, Google Drive, ...; rclone's own config)
    stv replica add rclone:nas:vaults/personal.kdbx
    stv sync                        # read with rclone cat; rcat to a temp, moveto, read back
    stv replica ls                  # rclone  rclone:nas  ...  current
  A remote that cannot be reached, or rclone not installed, fails that copy
  only; the remote file is never left half written. Its sidecar and old
  versions lie in .stickvault/ beside it; nothing secret is given to rclone.

A vault in git: git merges it entry by entry and diffs it without secrets
    cd ~/vaults && stv git setup    # merge driver + textconv (.git/config), *.kdbx in .gitattributes
    git pull                        # concurrent edits merged: exit 0, a merge commit
    git diff HEAD~1 -- personal.kdbx   # entries, field names, keyed hashes; no secret
  The driver (stv merge-driver %O %A %B %P) merges against the common
  ancestor with the agent's key (stv unlock), else --password-file (stv git
  setup --command 'stv --password-file ~/.pw'), else a prompt on /dev/tty —
  never git's stdin. The same field edited on both sides keeps both values,
  tags the entry and stops the merge: stv conflicts, then git add.

Unattended: sync every stick as it is plugged in, and after each save
  stv sync --watch [VAULT...] watches /media/$USER, /run/media/$USER, /media
  and /mnt (or --watch-dir DIR) and the mount table, and syncs the mounted
  sticks and folders 1.5 s after a local or folder copy is saved or a
  conflict copy appears beside one. Copying the newest version
  needs no key; a merge needs one (the agent after 'stv unlock', or
  --password-file with a 0600 file). A systemd user unit:

  # ~/.config/systemd/user/stickvault-sync.service
  [Unit]
  Description=stickvault: sync vault copies to USB sticks when mounted
  [Service]
  ExecStart=%h/.local/bin/stv sync --watch
  Restart=on-failure
  [Install]
  WantedBy=default.target

  systemctl --user enable --now stickvault-sync.service

  Or run one sync when a stick is mounted, from a udev rule
  (/etc/udev/rules.d/99-stickvault.rules):
  ACTION=="add", SUBSYSTEM=="block", ENV{ID_BUS}=="usb", TAG+="systemd", ENV{SYSTEMD_USER_WANTS}+="stickvault-sync-once.service"
  with a oneshot user unit whose ExecStart is: stv sync --all

From a script
  stv --json sync --all; echo "exit $?"   # 0 converged, 7 look at the report`;
