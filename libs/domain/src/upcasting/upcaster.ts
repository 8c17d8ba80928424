/**
 * Schema evolution: stored events are never rewritten; they are presented in the current
 * shape by a chain of upcasters, each turning (type, version n) into version n + 1.
 */
export interface VersionedEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
}

export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/** Applies every upcaster that matches until the event is current; returns it unchanged if it was. */
export function upcastWith<E extends VersionedEvent>(upcasters: readonly Upcaster[], event: E): E {
  let current = event;
  for (;;) {
    const step = upcasters.find(
      (u) => u.type === current.type && u.fromVersion === current.schemaVersion,
    );
    if (!step) return current;
    current = { ...current, schemaVersion: step.fromVersion + 1, data: step.upcast(current.data) };
  }
}
