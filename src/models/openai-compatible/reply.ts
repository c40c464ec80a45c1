import type { Action } from '../../actions/action.ts';
import type { Size } from '../../desktop/desktop.ts';
import type { ActionResult } from '../vision-model.ts';
import type { FormatName, ToFrame } from './formats.ts';

/** One model answer read into the action vocabulary, with coordinates already in the frame. */
export interface ParsedReply {
  thought: string | null;
  actions: Action[];
  done?: { summary: string };
  needsHuman?: { question: string };
  /** The model declared the task impossible (Qwen's `terminate` with `failure`). */
  gaveUp?: { reason: string };
  /** Why the answer cannot be used; the model is told once, then the run fails. */
  problem?: string;
}

/** What an answer looks like on the wire: text, and tool calls if the server parsed them. */
export interface RawReply {
  content: string;
  toolCalls: { name: string; arguments: string }[];
}

/** One model family's prompt and answer format. */
export interface ActionFormat {
  readonly name: FormatName;
  /**
   * The instructions: in a system message, or (for models trained without one) at the start of
   * the first user turn. `screen` is the sent frame's size.
   */
  instructions(input: { task: string; guidance: string | null; screen: Size }): {
    system: string | null;
    firstUser: string;
  };
  parse(reply: RawReply, toFrame: ToFrame): ParsedReply;
  /** How an answer is kept in the history, so the model sees its own format next turn. */
  historyText(reply: RawReply): string;
  /** How the results of the last turn are reported back, or null when all went well. */
  resultsText(results: ActionResult[]): string | null;
}

/** A plain report of failed or skipped actions, for formats with no tool-result channel. */
export function failedActionsText(results: ActionResult[]): string | null {
  const failed = results.filter((result) => result.status !== 'ok');
  if (failed.length === 0) return null;
  return failed
    .map((result) => {
      const what = result.action.action;
      return result.status === 'error'
        ? `The ${what} action failed: ${result.error ?? 'unknown error'}.`
        : `The ${what} action was not executed: ${result.error ?? 'skipped'}.`;
    })
    .join('\n');
}
