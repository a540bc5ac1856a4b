import { createHmac } from 'node:crypto';

export interface HmacV2Input {
  secret: string;
  timestamp: number | string;
  token: string;
  resourcetype: string;
  actionid: string;
}

/**
 * onOffice HMAC version 2: base64(HMAC-SHA256(key = secret, message = timestamp + token + resourcetype +
 * actionid)), exactly as the SDK's createHmac2 concatenates them (no separators).
 */
export function computeHmacV2(input: HmacV2Input): string {
  const message = `${input.timestamp}${input.token}${input.resourcetype}${input.actionid}`;
  return createHmac('sha256', input.secret).update(message, 'utf8').digest('base64');
}
