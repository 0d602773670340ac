/** The platform sells advertising: campaign orders have this account as their seller. */
export const PLATFORM_ACCOUNT_ID = '01a20000-0000-7000-8000-00000000a11d';
