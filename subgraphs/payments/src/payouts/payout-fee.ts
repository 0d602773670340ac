/**
 * The platform's cut of a sale, in integer minor units. The fee is set in basis points (1% = 100)
 * and rounded half up to a whole minor unit: 10% of 1005 cents is 100.5, so 101. The seller's
 * share is what is left, so fee + share is always exactly the gross.
 */
export interface Split {
  gross: number;
  fee: number;
  net: number;
}

export const MAX_BASIS_POINTS = 10_000;

/** PLATFORM_FEE_PERCENT (0 to 100, at most two decimals) as whole basis points. */
export const basisPointsOf = (percent: number) => Math.round(percent * 100);

export function splitOf(gross: number, feeBasisPoints: number): Split {
  if (!Number.isSafeInteger(gross) || gross < 0)
    throw new Error(`A gross amount is a whole, non-negative number of minor units, not ${gross}.`);
  if (!Number.isInteger(feeBasisPoints) || feeBasisPoints < 0 || feeBasisPoints > MAX_BASIS_POINTS)
    throw new Error(`A fee is 0 to ${MAX_BASIS_POINTS} basis points, not ${feeBasisPoints}.`);
  // Exact in doubles: gross ≤ 2^31 and basis points ≤ 10^4 keep the product far below 2^53.
  const fee = Math.floor((gross * feeBasisPoints + MAX_BASIS_POINTS / 2) / MAX_BASIS_POINTS);
  return { gross, fee, net: gross - fee };
}

/**
 * What to take back from a seller already paid `paidNet`, now that refunds leave `grossLeft` of the
 * sale: the share is worked out again on what the buyer still paid, so the seller bears refunds in
 * proportion and the platform gives back its fee on the refunded part. `reversed` is what was taken
 * back before; the answer is what to take back now (0 when nothing more is due).
 */
export function reversalDue(paidNet: number, reversed: number, grossLeft: number, feeBasisPoints: number): number {
  const keeps = splitOf(Math.max(grossLeft, 0), feeBasisPoints).net;
  return Math.max(paidNet - keeps - reversed, 0);
}
