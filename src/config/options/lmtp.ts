import type { OptionSpec } from '../types.js';

const area = 'lmtpd';

/** lmtpd and delivery (names and defaults as Cyrus 3.6's imapd.conf(5)). */
export const lmtpOptions: OptionSpec[] = [
  { area, name: 'lmtp_downcase_rcpt', type: 'switch', default: 'yes', doc: 'Lowercase the recipient address (the part before "+" and the domain) before looking up the user.' },
  { area, name: 'lmtp_fuzzy_mailbox_match', type: 'switch', default: 'no', doc: 'When the folder named by user+detail does not exist, deliver to the closest one (case and whitespace ignored, else its parent) instead of INBOX.' },
  { area, name: 'lmtp_over_quota_perm_failure', type: 'switch', default: 'no', doc: 'Answer over quota with a permanent failure (552 5.2.2; smmapd: PERM) instead of a temporary one (452 4.2.2; smmapd: TEMP; the MTA retries).' },
  { area, name: 'lmtp_strict_quota', type: 'switch', default: 'no', doc: 'Refuse a message that would take the mailbox over its quota, not only once it is over.' },
  { area, name: 'lmtp_strict_rfc2821', type: 'switch', default: 'yes', doc: 'Refuse 8-bit characters in the local part of envelope addresses; no: change them to "X" (without SMTPUTF8).' },
  { area, name: 'lmtp_exclude_specialuse', type: 'stringlist', default: '\\Snoozed', doc: 'Special-use attributes of folders that user+detail never delivers to (INBOX takes the message).' },
  { area, name: 'lmtp_catchall_mailbox', type: 'string', default: null, doc: 'A user (with an INBOX) that receives mail addressed to users that do not exist.' },
  { area, name: 'duplicatesuppression', type: 'switch', default: 'yes', doc: 'Do not deliver a message (by Message-ID or Resent-Message-ID) a second time to a mailbox that already got it (deliver.db).' },
  { area, name: 'duplicate_db_path', type: 'path', default: null, doc: 'Where the duplicate delivery database lives (default: configdirectory/deliver.db).' },
  { area, name: 'postuser', type: 'string', default: '', doc: 'Userid whose address delivers to shared folders: with "bb", mail to bb+shared.blah goes to shared.blah (empty: +shared.blah).' },
  { area, name: 'autocreate_post', type: 'switch', default: 'no', doc: 'Create a user\'s missing INBOX when mail arrives for it (needs autocreate_quota 0 or more, as every autocreation).' },
  { area, name: 'singleinstancestore', type: 'switch', default: 'yes', doc: 'Write a message delivered to several mailboxes once per partition and hard-link it into the others.' },
  { area, name: 'sieve_use_lmtp_reject', type: 'switch', default: 'yes', doc: 'A Sieve reject refuses the message in the LMTP answer (550 5.7.1 with the script\'s reason), so the MTA bounces it; no: the server sends the rejection notice itself (from postmaster, through sendmail) and answers 250. ereject always refuses in the answer.' },
  { area, name: 'sieve_duplicate_max_expiration', type: 'duration', default: '90d', unit: 's', min: 0, doc: 'The longest time a Sieve duplicate test (RFC 7352) remembers a message: a script\'s :seconds above it is lowered to it.' },
  { area, name: 'sieve_vacation_min_response', type: 'duration', default: '3d', unit: 's', min: 0, doc: 'The shortest time between two vacation replies to one sender: a script\'s :days or :seconds below it is raised to it.' },
  { area, name: 'sieve_vacation_max_response', type: 'duration', default: '90d', unit: 's', min: 7 * 86400, doc: 'The longest time between two vacation replies to one sender: a script\'s :days or :seconds above it is lowered to it (at least 7 days).' },
  { area, name: 'reject8bit', type: 'switch', default: 'no', doc: 'Refuse delivered messages with 8-bit characters in their headers (else munge8bit applies).' },
];
