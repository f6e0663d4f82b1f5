/**
 * Partition (and, for Murder, backend) selection as the store sees it: the store asks for a
 * partition when it creates a new top-level mailbox and none was named; submailboxes inherit.
 */
export interface PartitionChooser {
  /** A partition name for a new top-level mailbox. Throws MailError('NotFound') when none is usable. */
  choose(): string;
}
