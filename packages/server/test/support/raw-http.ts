import { connect, type Socket } from 'node:net';

/** What came back on a raw connection before the server closed it. */
export interface RawAnswer {
  /** The status of the response, or undefined when the server closed without one. */
  status: number | undefined;
  headers: Record<string, string>;
  /** The body parsed as JSON, when there is one. */
  body: unknown;
  /** Milliseconds from connecting to the server's close. */
  elapsedMs: number;
}

/**
 * Opens a TCP connection to `port`, lets `talk` write to it (all at once, or
 * slowly), and resolves when the server closes the connection, with what it
 * answered. For requests no HTTP client would send: `app.inject` never
 * reaches Node's parser or its timeouts.
 */
export function rawExchange(port: number, talk: (socket: Socket) => void): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () => talk(socket));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer is still an answer: Node destroys a socket right after writing an error.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('utf8'), performance.now() - started)));
  });
}

/** `text` written on the socket every `intervalMs`, until the socket closes. */
export function dribble(socket: Socket, text: string, intervalMs: number): void {
  const timer = setInterval(() => {
    if (!socket.writable) clearInterval(timer);
    else socket.write(text);
  }, intervalMs);
  socket.on('close', () => clearInterval(timer));
}

function parseAnswer(text: string, elapsedMs: number): RawAnswer {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let parsed: unknown;
  try {
    parsed = body === '' ? undefined : JSON.parse(body);
  } catch {
    parsed = body;
  }
  return { status: status === undefined ? undefined : Number(status), headers, body: parsed, elapsedMs };
}
