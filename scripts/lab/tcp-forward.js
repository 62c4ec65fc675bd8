// A loopback TCP forwarder: `node tcp-forward.js <listen-port> <upstream-host:port>`.
// The time-skipping test server wrapper execs it when a test server was started ahead of the SDK
// (each suite starts its own: test/support/temporal.ts): it listens within milliseconds, so the SDK's fixed 5 s start-up
// window never races a JVM starting on a busy machine. Copied into the lab cache by
// build-test-server.sh; plain Node, no dependencies.
'use strict';
const net = require('node:net');

const [listenPort, upstream] = process.argv.slice(2);
const [host, port] = (upstream ?? '').split(':');
if (!listenPort || !host || !port) {
  process.stderr.write('usage: tcp-forward.js <listen-port> <upstream-host:port>\n');
  process.exit(2);
}

net
  .createServer((client) => {
    const server = net.connect(Number(port), host);
    client.pipe(server).pipe(client);
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
  })
  .listen(Number(listenPort), '127.0.0.1');
