/**
 * An implementation that cannot run on this machine (its interpreter or library is missing): it says why
 * and how to install what is missing, declares nothing, and every spec skips with that reason.
 */
import { UnsupportedError } from '../errors.js';
import type { Implementation } from './interface.js';

export function unavailableImplementation(name: string, reason: string, install?: string): Implementation {
  const unavailable = `${reason}${install ? ` — install it with: ${install}` : ''}`;
  return {
    name,
    version: 'unavailable',
    capabilities: { layers: [] },
    unavailable,
    async info() {
      return { backend: 'unavailable', details: { reason: unavailable } };
    },
    async build() {
      throw new UnsupportedError(`${name} is unavailable: ${unavailable}`);
    },
  };
}
