import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * Prefixed ids that sort by creation time, even for ids made within the same millisecond, so that
 * "newest first" is simply "largest id first". Lowercase reads better in URLs and logs.
 */
export function newId(prefix: 'run' | 'vm' | 'shot' | 'whd'): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}
