/**
 * The Slack stand-in lives in tools/slack-standin, where `make demo` runs it as a process of its
 * own; the tests import it from here as before.
 */
export * from '../../tools/slack-standin/stand-in';
