import type { Appointment } from '../../src/domain/appointment.js';
import type { expandOccurrences } from '../../src/domain/expand-occurrences.js';
import type { VEventLike } from '../../src/ical/parse-ics-objects.js';

export function compareEvent(event: VEventLike, appointment: Appointment, options: { expandOccurrences: typeof expandOccurrences; zone?: string }): string[];
