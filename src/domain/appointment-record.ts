/**
 * The `elements` of one record of `read calendar`, shaped as ../shared/onoffice-api/ shows them.
 * Every field is optional and loosely typed on purpose: this is untrusted input, validated by
 * parseAppointment, which quarantines what it cannot read.
 */
export interface AppointmentElements {
  start_dt?: string;
  end_dt?: string;
  description?: string;
  note?: string;
  ort?: string;
  art?: Record<string, string> | string | unknown[];
  fuer?: string[];
  groups?: unknown[];
  emails?: Record<string, string> | unknown[];
  user_ids?: Array<number | string>;
  ressources?: string[];
  ressourcesWithKeys?: Record<string, string> | unknown[];
  erinnerung?: string;
  ganztags?: boolean | string | number;
  rp_flag?: boolean | string | number;
  abgesagt?: boolean | string | number;
  status?: string;
  assignedaddressids?: number[];
  assignedobjectids?: number[];
  rp_type?: string;
  rp_tage?: number | string;
  rp_beginn_datum?: string;
  rp_ende_datum?: string;
  rp_ende_status?: string | number;
  allowTransitTime?: boolean | string | number;
  transitTime?: string | null;
  transitTimePre?: string | null;
  transitTimePost?: string | null;
  rp_exception?: string[] | string;
  ProjektNr?: unknown;
  von?: string;
  private?: string | boolean | number;
  modified?: string;
  users?: Array<{ id: string | number; username: string; firstName?: string; lastName?: string; email?: string }>;
  [key: string]: unknown;
}

/** One record of a `read calendar` answer. */
export interface AppointmentRecord {
  id: number | string;
  type: string;
  elements: AppointmentElements;
}
