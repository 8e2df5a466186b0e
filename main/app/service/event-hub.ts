/** Typed publish/subscribe for G8bootEvents: what the IPC layer forwards and the tray and notifications read. */
import type { G8bootEvent, G8bootEvents } from '../../common/ipc.ts';

export type Listener<E extends G8bootEvent> = (payload: G8bootEvents[E]) => void;

export interface EventHub {
  on<E extends G8bootEvent>(event: E, listener: Listener<E>): () => void;
  emit<E extends G8bootEvent>(event: E, payload: G8bootEvents[E]): void;
  clear(): void;
}

export function createEventHub(log: (line: string) => void): EventHub {
  const listeners = new Map<G8bootEvent, Set<Listener<never>>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener<never>);
      return () => void set.delete(listener as Listener<never>);
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        // One broken subscriber (a closed window, a tray being rebuilt) must not stop the others.
        try {
          (listener as Listener<typeof event>)(payload);
        } catch (error) {
          log(`event ${event}: a listener failed: ${(error as Error).message}`);
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
