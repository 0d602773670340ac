/**
 * A return request's life. The seller answers; the buyer may take a refusal (or silence, or a
 * refund payments could not make) to the admins, whose word is final. Money moves only from
 * ACCEPTED, through payments, which makes it REFUNDED.
 *
 *   REQUESTED ──accept──→ ACCEPTED ──payments refunds──→ REFUNDED
 *       │                   ↑    └──payments refuses──→ REFUND_FAILED ─┐
 *     decline          admin: refund                                    │
 *       ↓                   │                                           │
 *   DECLINED ──escalate──→ ESCALATED ←──────────escalate────────────────┘
 *   (REQUESTED unanswered for RETURN_ANSWER_HOURS escalates too)
 *                          └──admin: uphold──→ DECLINE_UPHELD
 */
export enum ReturnStatus {
  REQUESTED = 'REQUESTED',
  ACCEPTED = 'ACCEPTED',
  REFUNDED = 'REFUNDED',
  REFUND_FAILED = 'REFUND_FAILED',
  DECLINED = 'DECLINED',
  ESCALATED = 'ESCALATED',
  DECLINE_UPHELD = 'DECLINE_UPHELD',
}

/** Requests that hold their order lines: no other request may name those lines meanwhile. */
export const OPEN: ReadonlySet<ReturnStatus> = new Set([
  ReturnStatus.REQUESTED,
  ReturnStatus.ACCEPTED,
  ReturnStatus.ESCALATED,
]);

/** Lines whose quantities have been (or are being) given back: they cannot be returned again. */
export const REFUNDING: ReadonlySet<ReturnStatus> = new Set([ReturnStatus.ACCEPTED, ReturnStatus.REFUNDED]);

/** Why a buyer wants their money back. */
export enum ReturnReason {
  DAMAGED = 'DAMAGED',
  DEFECTIVE = 'DEFECTIVE',
  NOT_AS_DESCRIBED = 'NOT_AS_DESCRIBED',
  WRONG_ITEM = 'WRONG_ITEM',
  MISSING_PARTS = 'MISSING_PARTS',
  NO_LONGER_NEEDED = 'NO_LONGER_NEEDED',
  /** Needs `details`. */
  OTHER = 'OTHER',
}

export enum ReturnDecision {
  REFUND = 'REFUND',
  UPHOLD_DECLINE = 'UPHOLD_DECLINE',
}
