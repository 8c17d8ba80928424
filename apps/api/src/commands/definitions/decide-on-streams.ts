import {
  activityCustomerId,
  activityDecider,
  activityStreamId,
  caseCustomerId,
  caseDecider,
  caseStreamId,
  commandCaseId,
  complaintCustomerId,
  complaintDecider,
  complaintStreamId,
  customerDecider,
  customerStreamId,
  dealCustomerId,
  dealDecider,
  dealStreamId,
  decideActivityWithCustomer,
  decideCaseWithCustomer,
  decideComplaintWithCustomer,
  decideDealWithCustomer,
  type ActivityCommand,
  type CaseCommand,
  type ComplaintCommand,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
  type DealCommand,
  type Decider,
  type DomainEvent,
} from '@rapport/domain';
import { decided, type Decision, type Load } from '../command-executor';

/** A command decided by the client's own record alone. */
export async function decideOnCustomer(
  load: Load,
  customerId: string,
  command: CustomerCommand,
): Promise<Decision> {
  const customer = await load(customerDecider, customerStreamId(customerId));
  return {
    customerId,
    primary: decided(customer, customerDecider.decide(command, customer.state)),
  };
}

/** A record of a client (a deal, a complaint, an activity) and how a command is decided on it. */
interface RecordOfClient<Command, Event extends DomainEvent, State> {
  decider: Decider<Command, Event, State>;
  streamId: string;
  /** The client the command concerns (refuses an unknown record). */
  customerOf: (state: State) => string;
  decide: (state: State, customer: CustomerState) => [Event[], CustomerEvent[]];
}

/**
 * A command decided by a record and its client together, both streams in one atomic append,
 * so a concurrent erasure or conversion of the client cannot slip in between; the record is
 * the one addressed (If-Match, the answered revision).
 */
async function decideWithClient<Command, Event extends DomainEvent, State>(
  load: Load,
  record: RecordOfClient<Command, Event, State>,
): Promise<Decision> {
  const own = await load(record.decider, record.streamId);
  const customerId = record.customerOf(own.state);
  const customer = await load(customerDecider, customerStreamId(customerId));
  const [events, customerEvents] = record.decide(own.state, customer.state);
  return {
    customerId,
    primary: decided(own, events),
    others: [decided(customer, customerEvents)],
  };
}

export const decideOnDeal = (load: Load, command: DealCommand): Promise<Decision> =>
  decideWithClient(load, {
    decider: dealDecider,
    streamId: dealStreamId(command.data.dealId),
    customerOf: (deal) => dealCustomerId(command, deal),
    decide: (deal, customer) => {
      const events = decideDealWithCustomer(command, deal, customer);
      return [events.deal, events.customer];
    },
  });

export const decideOnComplaint = (load: Load, command: ComplaintCommand): Promise<Decision> =>
  decideWithClient(load, {
    decider: complaintDecider,
    streamId: complaintStreamId(command.data.complaintId),
    customerOf: (complaint) => complaintCustomerId(command, complaint),
    decide: (complaint, customer) => {
      const events = decideComplaintWithCustomer(command, complaint, customer);
      return [events.complaint, events.customer];
    },
  });

/** A completed call, e-mail, meeting or visit is also the client's ContactLogged. */
export const decideOnActivity = (load: Load, command: ActivityCommand): Promise<Decision> =>
  decideWithClient(load, {
    decider: activityDecider,
    streamId: activityStreamId(command.data.activityId),
    customerOf: (activity) => activityCustomerId(command, activity),
    decide: (activity, customer) => {
      const events = decideActivityWithCustomer(command, activity, customer);
      return [events.activity, events.customer];
    },
  });

/**
 * The stream of the case a command addresses: a request's `case-<id>`, a complaint's
 * `complaint-<id>` (where complaints have always been recorded). Ids are UUIDs chosen once,
 * so an id has at most one of the two; an unknown id reads as an empty request stream.
 */
async function caseStream(load: Load, command: CaseCommand): Promise<string> {
  const id = commandCaseId(command);
  switch (command.type) {
    case 'OpenServiceRequest':
      return caseStreamId(id);
    case 'RaiseComplaint':
    case 'ResolveComplaint':
      return complaintStreamId(id);
    default: {
      const request = await load(caseDecider, caseStreamId(id));
      if (request.revision >= 0) return request.streamId;
      const complaint = await load(caseDecider, complaintStreamId(id));
      return complaint.revision >= 0 ? complaint.streamId : request.streamId;
    }
  }
}

/** A service case command (a request's or a complaint's), decided with its client. */
export const decideOnCase = async (load: Load, command: CaseCommand): Promise<Decision> =>
  decideWithClient(load, {
    decider: caseDecider,
    streamId: await caseStream(load, command),
    customerOf: (state) => caseCustomerId(command, state),
    decide: (state, customer) => {
      const events = decideCaseWithCustomer(command, state, customer);
      return [events.case, events.customer];
    },
  });
