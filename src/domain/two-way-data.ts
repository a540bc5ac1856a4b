/** onOffice create/modify `data` fields plus `location`, as the way back compares and writes them. */
export type TwoWayData = Readonly<Record<string, unknown>>;
