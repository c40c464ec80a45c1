import { connect, createServer, type Server, type Socket } from 'node:net';

export interface DropProxy {
  url: string;
  /** The head of every request that went through, in order. */
  requests: string[];
  /** Cuts every open connection, as a daemon restart or a flaky network would. */
  drop(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of a daemon, so a test can break the event stream under a
 * client while the daemon and the run go on.
 */
export async function startDropProxy(target: string): Promise<DropProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const requests: string[] = [];

  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (/^[A-Z]+ \//.test(text)) requests.push(text.split('\r\n\r\n')[0] ?? text);
    });
    client.pipe(upstream).pipe(client);
    const forget = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', forget).on('error', forget);
    upstream.on('close', forget).on('error', forget);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };

  const drop = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    drop,
    close() {
      drop();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
