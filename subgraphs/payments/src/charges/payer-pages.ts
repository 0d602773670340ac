import type { Outbox } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import express, { type Response } from 'express';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { PaymentMethodService } from '../payment-methods/payment-method.service.js';
import type { PaymentService } from './payment.service.js';
import { returnOutcome } from './return-page.js';
import type { SandboxPayments } from '../sandbox/sandbox-provider.js';

/** Stripe's own words for a 3-D Secure check the payer did not pass. */
const NOT_AUTHENTICATED = 'The provided PaymentMethod has failed authentication.';
const SANDBOX_ID = /^(pi|seti)_sandbox_[0-9a-f]{24}$/;

/**
 * `/payments/…` on the gateway: the pages a payer's or seller's browser is sent to.
 *   - `/return`: where Stripe brings a buyer back after 3-D Secure (STRIPE_RETURN_URL's default).
 *     The outcome reaches the app by webhook and `paymentUpdated`; the page tells the payer what
 *     payments has recorded (return-page.ts), and looks again while it waits.
 *   - `/payouts/return`: where a seller lands after payout onboarding.
 *   - With the sandbox provider, `/sandbox/authenticate/:id` plays the bank's 3-D Secure page: the
 *     payer passes or fails the check, and the payment or card setup moves on as a Stripe webhook
 *     would move it. Its address is the `actionUrl` only the payer is shown.
 */
export function payerPages(options: {
  sandbox: SandboxPayments | null;
  payments: PaymentService;
  paymentMethods: PaymentMethodService;
  outbox: Outbox<PaymentsEvents>;
  logger: Logger;
}) {
  const { sandbox, payments, paymentMethods, outbox, logger } = options;
  const router = express.Router();

  router.get('/return', async (req, res) => {
    try {
      const { title, text, refreshSeconds } = await returnOutcome(outbox.orm.em.fork(), req.query);
      page(res, 200, title, text, '', refreshSeconds);
    } catch (err) {
      logger.warn({ err }, 'the 3-D Secure return page could not read the payment');
      page(res, 503, 'Try again', 'PeerLink could not look up your payment just now. Reload this page in a moment.');
    }
  });
  router.get('/payouts/return', (req, res) =>
    req.query.payouts === 'refresh'
      ? page(
          res,
          200,
          'Link expired',
          'That onboarding link has expired. Go back to PeerLink and open your payout account again for a new one.',
        )
      : page(
          res,
          200,
          'Payout account',
          'Thank you. Go back to PeerLink: your payout account shows whether anything else is needed.',
        ),
  );

  if (sandbox) {
    router.get('/sandbox/authenticate/:id', (req, res) => {
      const { id } = req.params;
      if (!SANDBOX_ID.test(id) || !sandbox.isAwaiting(id))
        return page(
          res,
          404,
          'Nothing to authenticate',
          'Nothing here waits for 3-D Secure: it was answered already, or the link is wrong.',
        );
      const what = id.startsWith('pi_') ? 'this payment' : 'saving this card';
      page(
        res,
        200,
        'Sandbox 3-D Secure',
        `PeerLink's sandbox plays your bank here. Do you authenticate ${what}?`,
        `<form method="post"><button name="outcome" value="succeed">Authenticate</button> <button ` +
          `name="outcome" value="fail">Fail authentication</button></form>`,
      );
    });

    router.post(
      '/sandbox/authenticate/:id',
      express.urlencoded({ extended: false, limit: '1kb' }),
      async (req, res) => {
        const { id } = req.params;
        const answer = (req.body as { outcome?: unknown })?.outcome;
        if (answer !== 'succeed' && answer !== 'fail')
          return page(res, 400, 'Choose an answer', 'Authenticate, or fail authentication.');
        const result = SANDBOX_ID.test(id) ? sandbox.authenticate(id, answer === 'succeed') : null;
        if (!result) return page(res, 404, 'Nothing to authenticate', 'Nothing here waits for 3-D Secure.');
        try {
          await sandbox.settled();
          // Recorded as Stripe's webhook would record it; the sandbox keeps its first answer, so a retry records the
          // same.
          const committed: (() => Promise<unknown>)[] = [];
          await outbox.transaction(async (em, publish) => {
            if (result.kind === 'payment') {
              await payments.settle(
                em,
                publish,
                result.providerPaymentId,
                result.succeeded ? { status: 'SUCCEEDED' } : { status: 'FAILED', reason: NOT_AUTHENTICATED },
              );
            } else {
              const outcome = result.succeeded
                ? { status: 'SUCCEEDED' as const, paymentMethodId: result.paymentMethodId }
                : { status: 'FAILED' as const, reason: NOT_AUTHENTICATED };
              await paymentMethods.finishSetup(
                em,
                result.providerSetupId,
                outcome,
                (work) => void committed.push(work),
              );
            }
          });
          for (const work of committed) await work();
        } catch (err) {
          logger.warn({ err, id }, 'sandbox authentication not recorded yet');
          return page(res, 503, 'Try again', 'The answer could not be recorded yet. Send it again in a moment.');
        }
        page(
          res,
          200,
          result.succeeded ? 'Authenticated' : 'Authentication failed',
          'Go back to PeerLink: it has your answer.',
        );
      },
    );
  }
  return router;
}

/** A small page of our own words only (nothing from the request is echoed), that runs no script. */
function page(res: Response, status: number, title: string, text: string, form = '', refreshSeconds?: number) {
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  res
    .status(status)
    .set({
      // Never framed: a page that takes a payer's "pass" must not be clickable from under another site's.
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    })
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" ` +
        `content="width=device-width">${refresh}<title>${title} ` +
        `· PeerLink</title>` +
        `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 ` +
        `1rem}button{font:inherit;padding:.5rem 1rem;margin-top:1rem}</style></head>` +
        `<body><h1>${title}</h1><p>${text}</p>${form}</body></html>`,
    );
}
