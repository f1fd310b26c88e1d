/** `stv help sync`: how copies on sticks converge, and how to run sync unattended. */
export const SYNC_HELP = `Sticks and sync

A stick is any mounted directory with .stickvault/stick.json (a random id, a
label, and which vault file it holds). Prepare one and put a vault on it:

  stv --vault personal stick init /media/fred/WHITE --label white
  stv --vault financial stick init /media/fred/BLACK --label black-backup

stv sync [VAULT...] [--all] brings every reachable copy of a vault — the
local file and every mounted stick that holds it — to the same content:

  1. all copies identical: nothing to do, no key needed;
  2. one copy descends from all the others (each copy has a sidecar,
     .stickvault/VAULTID.state.json, with the hashes of its ancestors —
     clocks are never trusted): it is copied over them, no key needed;
  3. otherwise the key is asked for (agent, --password-file, prompt) and the
     copies are merged: entries by UUID, an edit the other copies' histories
     already hold supersedes them, concurrent edits merge field by field (the
     same field edited differently keeps both values: the later current, the
     other in history, the entry tagged; 'stv conflicts' shows them, 'stv
     resolve' settles them), and a deletion removes only what it had seen.

Each copy is written to a temp file, fsynced, renamed and read back before
the next one; the last 5 versions stay in .stickvault/backups/ (--generations).
A stick that is full, read-only, pulled out or holds another vault is
reported as failed; the other copies still converge and its old file stays
readable. Exit 0 when every copy converged, 7 when one failed or a conflict
needs a look. Two syncs of one vault at once are refused.

stv stick ls shows every known stick, whether it is mounted, and how far
behind it is; stv stick forget LABEL drops one from this machine's list.

Unattended: sync every stick as it is plugged in
  stv sync --watch watches /media/$USER, /run/media/$USER, /media and /mnt
  (or --watch-dir DIR) and the mount table. Copying the newest version needs
  no key; a merge needs one (the agent after 'stv unlock', or
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
