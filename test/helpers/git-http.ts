/**
 * A git server over HTTP on 127.0.0.1 that requires basic auth: Node's http
 * server in front of the real `git http-backend` (CGI), as a forge would run
 * it. Records every request's user and whether its password was right.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  url: string;
  /** user → password accepted; change it to make a stored password wrong. */
  users: Map<string, string>;
  attempts: { user: string; ok: boolean }[];
  close(): Promise<void>;
}

export async function startGitHttpServer(projectRoot: string, users: Record<string, string>): Promise<GitHttpServer> {
  const state = { users: new Map(Object.entries(users)), attempts: [] as { user: string; ok: boolean }[] };
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, ...rest] = auth ? Buffer.from(auth[1], 'base64').toString('utf8').split(':') : [''];
    const ok = Boolean(auth) && state.users.get(user) === rest.join(':');
    if (auth) state.attempts.push({ user, ok });
    if (!ok) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="stv-test"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => cgi.on('close', r));
    const out = Buffer.concat(chunks);
    const split = out.indexOf('\r\n\r\n') !== -1 ? out.indexOf('\r\n\r\n') : out.indexOf('\n\n');
    const sepLen = out.indexOf('\r\n\r\n') !== -1 ? 4 : 2;
    const head = out.subarray(0, split).toString('latin1');
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i === -1) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.end(out.subarray(split + sepLen));
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    users: state.users,
    attempts: state.attempts,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
