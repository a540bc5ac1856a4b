/** The parameters of create/modify calendar. */
export interface AppointmentWrite {
  data: Record<string, unknown>;
  subscribers?: { users?: number[]; groups?: number[] };
  location?: Record<string, unknown>;
  reminderTypes?: string[];
  relatedAddressIds?: number[];
  relatedEstateId?: number;
}
