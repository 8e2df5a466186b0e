import type { Tone } from '../nodes/node-status.ts';

/** A VM's state in words with the tone that goes with it. */
const VM_STATES: Record<string, { label: string; tone: Tone }> = {
  running: { label: 'Running', tone: 'ok' },
  starting: { label: 'Starting', tone: 'wait' },
  stopping: { label: 'Stopping', tone: 'wait' },
  paused: { label: 'Paused', tone: 'warn' },
  saved: { label: 'Saved', tone: 'off' },
  stopped: { label: 'Stopped', tone: 'off' },
  crashed: { label: 'Crashed', tone: 'bad' },
  missing: { label: 'Gone from the hypervisor', tone: 'bad' },
};

export function vmStateWords(state: string): { label: string; tone: Tone } {
  return VM_STATES[state] ?? { label: state || 'Unknown', tone: 'warn' };
}

export function isStopped(state: string): boolean {
  return ['stopped', 'crashed', 'missing', 'saved'].includes(state);
}
