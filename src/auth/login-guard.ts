/**
 * Brute-force protection for password logins (the login route and HTTP
 * Basic), with rate-limiter-flexible in memory, per server process:
 *   - per address: the ADDRESS_FAILURES-th failed login in a window blocks
 *     the address for BLOCK_SECONDS → 429 TOO_MANY_LOGIN_ATTEMPTS;
 *   - per account: the ACCOUNT_FAILURES-th failed login in a window locks the
 *     account for BLOCK_SECONDS, whatever the address → 429 ACCOUNT_LOCKED.
 * Both answers carry Retry-After. A successful login clears the account's
 * failures.
 */
import type { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../shared/errors.js';
import { lazyRequire } from '../shared/lazy-require.js';

/** Loaded with the first password login, not at start-up (its index loads every store it supports). */
const library = lazyRequire<typeof import('rate-limiter-flexible')>('rate-limiter-flexible');

export const ACCOUNT_FAILURES = 10;
export const ADDRESS_FAILURES = 30;
const WINDOW_SECONDS = 15 * 60;
const BLOCK_SECONDS = 15 * 60;

export class TooManyRequestsError extends DomainError {
  constructor(message: string, code: string, readonly retryAfterSeconds: number) {
    super(code, message, 429, { retryAfterSeconds });
  }
}

export class LoginGuard {
  private limiters: { byAccount: RateLimiterMemory; byAddress: RateLimiterMemory } | null = null;

  private get byAccount() {
    return this.limit().byAccount;
  }
  private get byAddress() {
    return this.limit().byAddress;
  }
  private limit() {
    if (!this.limiters) {
      const { RateLimiterMemory: Limiter } = library();
      this.limiters = {
        byAccount: new Limiter({ keyPrefix: 'login-account', points: ACCOUNT_FAILURES - 1, duration: WINDOW_SECONDS, blockDuration: BLOCK_SECONDS }),
        byAddress: new Limiter({ keyPrefix: 'login-address', points: ADDRESS_FAILURES - 1, duration: WINDOW_SECONDS, blockDuration: BLOCK_SECONDS }),
      };
    }
    return this.limiters;
  }

  /** Throws 429 when the address or the account is blocked (checked before the password). */
  async check(username: string, address: string): Promise<void> {
    const [account, ip] = await Promise.all([this.byAccount.get(accountKey(username)), this.byAddress.get(address)]);
    if (ip && ip.consumedPoints >= ADDRESS_FAILURES) throw tooMany('Troppi tentativi di accesso da questo indirizzo: riprovare più tardi', 'TOO_MANY_LOGIN_ATTEMPTS', ip);
    if (account && account.consumedPoints >= ACCOUNT_FAILURES) throw tooMany('Utenza bloccata temporaneamente dopo troppi tentativi falliti: riprovare più tardi', 'ACCOUNT_LOCKED', account);
  }

  /** Counts a failed login; throws 429 when this failure reaches a limit. */
  async fail(username: string, address: string): Promise<void> {
    const results = await Promise.allSettled([this.byAddress.consume(address), this.byAccount.consume(accountKey(username))]);
    const [ip, account] = results;
    const { RateLimiterRes } = library();
    if (ip.status === 'rejected' && ip.reason instanceof RateLimiterRes) throw tooMany('Troppi tentativi di accesso da questo indirizzo: riprovare più tardi', 'TOO_MANY_LOGIN_ATTEMPTS', ip.reason);
    if (account.status === 'rejected' && account.reason instanceof RateLimiterRes) throw tooMany('Utenza bloccata temporaneamente dopo troppi tentativi falliti: riprovare più tardi', 'ACCOUNT_LOCKED', account.reason);
  }

  async succeed(username: string): Promise<void> {
    await this.byAccount.delete(accountKey(username));
  }
}

function accountKey(username: string): string {
  return username.trim().toLowerCase();
}

function tooMany(message: string, code: string, res: RateLimiterRes): TooManyRequestsError {
  return new TooManyRequestsError(message, code, Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
}
