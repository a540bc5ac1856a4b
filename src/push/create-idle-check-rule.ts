import { createHash } from 'node:crypto';
import type { CaldavTargetConfig, Config } from '../config/config-schema.js';
import { maySkipCalendarCheck, type TargetWriteFacts } from '../domain/may-skip-calendar-check.js';
import type { CtagState } from '../domain/trust-ctag.js';
import type { CaldavStateRepository, CalendarRow } from '../store/caldav-state-repository.js';

/** A calendar a run may leave unasked: resolved before, with a trusted getctag and a recent check. */
export type RecentlyCheckedCalendar = CalendarRow & { readonly ctag: CtagState; readonly checkedAt: number };

/**
 * Everything that changes what a target should hold without any appointment changing. How often an idle
 * run asks the calendars is no part of it: changing that setting writes nothing.
 */
export function hashTargetConfig(config: Config, target: CaldavTargetConfig): string {
  // Neither shapes what is written: changing them must not make the next push a full one.
  const { idleCheckSeconds: _idleCheckSeconds, seedEmptyCalendars: _seedEmptyCalendars, ...shaping } = target;
  return createHash('sha256').update(JSON.stringify({ target: shaping, ical: config.ical, zone: config.timezone })).digest('hex');
}

/**
 * What the target's next run has to write regardless of its calendars, read from the state store (the
 * one-shot sync's prefetch; the push passes what it read already).
 */
export function readTargetWriteFacts(repository: CaldavStateRepository, config: Config, targetConfig: CaldavTargetConfig, changeSeq: number): TargetWriteFacts {
  const pushState = repository.readPushState(targetConfig.name);
  return {
    changeSeq,
    pushedSeq: pushState.pushedSeq,
    configHash: hashTargetConfig(config, targetConfig),
    pushedConfigHash: pushState.configHash,
    pendingOutbox: repository.listPendingOutbox(targetConfig.name).length,
    failures: repository.listFailures(targetConfig.name).length,
  };
}

/**
 * Whether a run may leave a calendar of the target unasked (domain/may-skip-calendar-check.ts), for
 * the push and for the one-shot sync's prefetch alike. The target's write facts are asked for once, at
 * its first calendar that could be skipped at all.
 */
export function createIdleCheckRule(context: {
  readonly targetConfig: CaldavTargetConfig;
  readonly writes: () => TargetWriteFacts;
  readonly full: boolean;
  readonly twoWay: boolean;
}): (known: CalendarRow | null, nowMs: number) => known is RecentlyCheckedCalendar {
  const { targetConfig } = context;
  let writes: TargetWriteFacts | undefined;
  return (known, nowMs): known is RecentlyCheckedCalendar => {
    if (known === null || context.full || context.twoWay) return false;
    writes ??= context.writes();
    const facts = {
      full: context.full,
      twoWay: context.twoWay,
      knownOnServer: new URL(known.url).origin === new URL(targetConfig.url).origin,
      ctag: known.ctag,
      checkedAt: known.checkedAt,
      idleCheckSeconds: targetConfig.idleCheckSeconds,
      writes,
    };
    return maySkipCalendarCheck(facts, nowMs);
  };
}
