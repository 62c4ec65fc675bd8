/**
 * The Slack stand-in and the signed requests Slack sends live in tools/slack-standin, where
 * `make demo` runs them as processes of their own; the tests import them from here as before.
 */
export * from '../../tools/slack-standin/stand-in';
export * from '../../tools/slack-standin/slack-requests';
