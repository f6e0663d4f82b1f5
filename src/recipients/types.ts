/** Public shapes of the recipients layer (see index.ts). */

/** A recipient address as an MTA gives it (LMTP's RCPT TO path, smmapd's key), split at the last "@". */
export interface RecipientAddress {
  readonly localPart: string;
  readonly domain: string | null;
}

/**
 * Why a recipient is asked about: 'deliver' (LMTP RCPT, the message follows: a missing INBOX is
 * made when autocreate_post says so) or 'lookup' (smmapd: the MTA only asks; nothing is created).
 */
export type RecipientIntent = 'deliver' | 'lookup';
