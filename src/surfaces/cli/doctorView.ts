import type { DoctorReport, DoctorStatus } from '../../control/doctorReport.js';

/** The report for a terminal: one line per check, fix hints in full (never cut to a table cell). */
export function renderDoctor(report: DoctorReport): string {
  const mark: Record<DoctorStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const lines = report.checks.flatMap((c) => [`${mark[c.status]} ${c.name}: ${c.detail}`, ...(c.fix ? [`     fix: ${c.fix}`] : [])]);
  return [...lines, report.ok ? `dispatch ${report.version}: ok` : `dispatch ${report.version}: NOT ok (a check above blocks real use)`].join('\n');
}
