import {
  DomainError,
  replay,
  type Decider,
  type DomainErrorKind,
  type Sealed,
} from '@rapport/domain';

/**
 * Given/when/then for deciders:
 *   spec.given([...past events]).when(command).then([...new events])
 *   spec.given([]).when(command).thenFails('CUSTOMER_NOT_FOUND', 'not-found')
 */
export function deciderSpecification<Command, Event, State>(
  decider: Decider<Command, Event, State>,
) {
  return {
    given(history: Event[]) {
      return {
        when(command: Command) {
          const decide = () => decider.decide(command, replay(decider, history));
          return {
            then(expected: Event[]): void {
              expect(decide()).toEqual(expected);
            },
            thenNothingHappens(): void {
              expect(decide()).toEqual([]);
            },
            thenFails(code: string, kind?: DomainErrorKind): DomainError {
              let caught: unknown;
              try {
                decide();
              } catch (error) {
                caught = error;
              }
              expect(caught).toBeInstanceOf(DomainError);
              const error = caught as DomainError;
              expect(error.code).toBe(code);
              if (kind) expect(error.kind).toBe(kind);
              return error;
            },
          };
        },
      };
    },
  };
}

/** A stand-in for an encrypted value in pure domain tests. */
export const sealed = (text: string) => `enc:test:${text}` as Sealed;
