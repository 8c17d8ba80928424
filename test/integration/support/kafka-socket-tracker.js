/* global afterAll */
// Opt-in diagnosis (CRM_TEST_TRACK_KAFKA_SOCKETS=1): after each test file, names every kafkajs
// connection still open, with its client id and the call that opened it. This is how the
// sockets that kept integration runs alive were traced (see jest.integration.config.js).
const Connection = require('kafkajs/src/network/connection');

const opened = new Set();
const connect = Connection.prototype.connect;
Connection.prototype.connect = function trackedConnect(...args) {
  this.trackedFrom = new Error('opened').stack.split('\n').slice(2, 14).join('\n');
  opened.add(this);
  return connect.apply(this, args);
};

afterAll(() => {
  const open = [...opened].filter((c) => c.socket && !c.socket.destroyed);
  for (const c of open) {
    process.stderr.write(
      `kafka socket still open: clientId=${c.clientId} broker=${c.host}:${c.port}\n${c.trackedFrom}\n`,
    );
  }
});
