// Readiness probe for the test Kafka broker, used by servers.sh: exits 0 once the broker
// (1) answers a Metadata request listing at least one broker and (2) has a group coordinator
// available. An open port alone is not enough: the listener accepts connections before the
// broker is unfenced, and the first consumer group would otherwise wait for __consumer_offsets
// to be created and loaded. Speaks the Kafka protocol directly (no client library needed).
// usage: node kafka-probe.js HOST PORT
const net = require('node:net');

const [host, port] = process.argv.slice(2);

// Request = size, api_key, api_version, correlation_id, client_id, body.
function request(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from('servers.sh-probe');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const message = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(message.length, 0);
  return Buffer.concat([size, message]);
}

function kafkaString(text) {
  const length = Buffer.alloc(2);
  length.writeInt16BE(text.length, 0);
  return Buffer.concat([length, Buffer.from(text)]);
}

const METADATA_V1_NO_TOPICS = request(3, 1, 1, Buffer.from([0, 0, 0, 0]));
const FIND_COORDINATOR_V0 = request(10, 0, 2, kafkaString('servers.sh-probe'));

const socket = net.connect(Number(port), host);
const fail = () => process.exit(1);
socket.setTimeout(2000, fail);
socket.on('error', fail);
socket.on('connect', () =>
  socket.write(Buffer.concat([METADATA_V1_NO_TOPICS, FIND_COORDINATOR_V0])),
);

let received = Buffer.alloc(0);
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  // Both responses complete? Each is: size, correlation_id, body.
  if (received.length < 4) return;
  const first = 4 + received.readInt32BE(0);
  if (received.length < first + 4 || received.length < first + 4 + received.readInt32BE(first)) {
    return;
  }
  const brokers = received.readInt32BE(8); // Metadata v1: brokers array length first
  const coordinatorError = received.readInt16BE(first + 8); // FindCoordinator v0: error_code
  process.exit(brokers >= 1 && coordinatorError === 0 ? 0 : 1);
});
