// Name rules of the SLB API ("letters, digits, '-', '_', '.'", "must start with a letter"), which
// the spec data states as `allowedChars`/`mustStartWith` but the generic validator does not check.
// Letters include non-Latin ones: the consoles and Terraform accept Chinese names.
import { apiError, type ApiError } from '../../../errors/catalog.js';

const CLASS: Record<string, string> = { letters: '\\p{L}', digits: '\\p{Nd}' };

export function nameMatcher(allowed: string[], startWithLetter = false): RegExp {
  const chars = allowed.map((c) => CLASS[c] ?? c.replace(/[\\\]^-]/g, (x) => `\\${x}`)).join('');
  return new RegExp(`^${startWithLetter ? '\\p{L}' : ''}[${chars}]*$`, 'u');
}

/** Throws `err` (InvalidParameter by default) when `v` breaks the rule. */
export function checkName(v: string | undefined, re: RegExp, err: () => ApiError = () => apiError('InvalidParameter', 'The specified parameter is not valid.')): void {
  if (v !== undefined && v !== '' && !re.test(v)) throw err();
}
