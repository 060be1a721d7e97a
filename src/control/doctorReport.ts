/** What `dispatchd doctor` reports and `dispatch doctor` prints: the checks run outside the CLI process. */

/** ok: fine; warn: worth knowing, does not block; fail: blocks real use (doctor then says ok: false and exits non-zero). */
export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  /** Kept for older readers: false only when status is `fail`. */
  ok: boolean;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  version: string;
  checks: DoctorCheck[];
}
