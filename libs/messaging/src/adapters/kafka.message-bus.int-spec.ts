import { testServers } from '../../../../test/integration/support/test-servers';
import { describeMessageBusContract } from '../testing/message-bus.contract';
import { KafkaMessageBus } from './kafka.message-bus';

describeMessageBusContract('kafka', async () => {
  const brokers = testServers().kafkaBrokers.split(',');
  const buses: KafkaMessageBus[] = [];
  const connect = () => {
    const bus = new KafkaMessageBus({ brokers, clientId: 'contract-test', maxWaitMs: 100 });
    buses.push(bus);
    return bus;
  };
  return {
    bus: connect(),
    reconnect: async () => connect(),
    cleanup: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
    },
  };
});
