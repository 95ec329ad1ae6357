/**
 * The SMTP sink the bench delivers to: smtp-server on 127.0.0.1, in a process of its own (as a
 * relay would be), taking every message and keeping only counts. Answers { port } once listening
 * and { messages, bytes } when asked; stops on 'stop', or when the bench goes away.
 */
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export function runSink(): void {
  let messages = 0;
  let bytes = 0;
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: 64 * 1024 * 1024,
    maxClients: 100,
    socketTimeout: 60_000,
    onData: (stream, _session, callback) => {
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.on('error', callback);
      stream.on('end', () => {
        messages += 1;
        callback();
      });
    },
  });
  const listener = server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (listener.address() as AddressInfo).port });
  });
  process.on('message', (request: string) => {
    if (request === 'stats') process.send!({ messages, bytes });
    if (request === 'stop') server.close(() => process.exit(0));
  });
  // The bench died without saying 'stop' (a failed run): the sink goes with it, not left listening.
  process.on('disconnect', () => process.exit(0));
}
