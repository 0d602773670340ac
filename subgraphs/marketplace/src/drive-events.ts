/**
 * What marketplace reads of drive's events. Declared here rather than imported, because drive
 * already depends on marketplace's events and the two packages must not depend on each other;
 * drive checks at compile time that what it publishes still fits.
 */
export type DriveEvents = {
  /** The answer to a new return request's photos: which of them the seller may now see. */
  'drive.return_photos.checked': { returnRequestId: string; accepted: string[]; refused: string[] };
};
