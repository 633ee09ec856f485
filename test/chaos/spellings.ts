/**
 * Other spellings of a key's coordinator workflow ID, as a submitter in another language might compute it (issue 15,
 * item 2): each names a second coordinator for the same (policy, key), which must refuse to run anything.
 */
import { createHash } from 'node:crypto';
import { coordinatorWorkflowId } from '../../src/client';
import { SPELLINGS, type Spelling } from './types';

/** Python's `urllib.parse.quote(key, safe='')`: every UTF-8 byte but `A-Z a-z 0-9 _ . - ~` as `%XX`. */
function pythonQuote(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function spelledCoordinatorId(policy: string, key: string, spelling: Spelling): string {
  switch (spelling) {
    case 'pythonQuote':
      return `concurrency/${policy}/${pythonQuote(key)}`;
    case 'lowerHex':
      return coordinatorWorkflowId(policy, key).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    case 'raw':
      return `concurrency/${policy}/${key}`;
    case 'hashed':
      return `concurrency/${policy}/~${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;
  }
}

/** The spellings that differ from the canonical ID for this key (the key part only depends on the key). */
export function nonCanonicalSpellings(key: string): Spelling[] {
  const policy = 'p';
  return SPELLINGS.filter(
    (spelling) => spelledCoordinatorId(policy, key, spelling) !== coordinatorWorkflowId(policy, key),
  );
}
