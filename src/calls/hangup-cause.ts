/**
 * Hangup causes as the Vobiz API reports them: a numeric code with its name (hangup_url's
 * HangupCauseCode / HangupCauseName), the textual telephony cause (HangupCause), and who
 * ended the call (HangupSource).
 */
export type HangupSource =
  | 'Caller'
  | 'Callee'
  | 'Vobiz'
  | 'Carrier'
  | 'API Request'
  | 'Answer XML'
  | 'Error'
  | 'Unknown';

export interface HangupCause {
  readonly code: number;
  readonly name: string;
  /** The textual cause (NORMAL_CLEARING ...). */
  readonly text: string;
}

function cause(code: number, name: string, text: string): HangupCause {
  return Object.freeze({ code, name, text });
}

export const HANGUP_CAUSES = {
  unknown: cause(0, 'Unknown', 'UNKNOWN'),
  canceled: cause(1000, 'Canceled', 'ORIGINATOR_CANCEL'),
  invalidDestination: cause(2000, 'Invalid Destination Address', 'INVALID_NUMBER'),
  destinationOutOfService: cause(2010, 'Destination Out Of Service', 'DESTINATION_OUT_OF_ORDER'),
  endpointNotRegistered: cause(2020, 'Endpoint Not Registered', 'UNALLOCATED_NUMBER'),
  loopDetected: cause(2060, 'Loop Detected', 'EXCHANGE_ROUTING_ERROR'),
  noAnswer: cause(3000, 'No Answer', 'NO_ANSWER'),
  busy: cause(3010, 'Busy Line', 'USER_BUSY'),
  rejected: cause(3020, 'Rejected', 'CALL_REJECTED'),
  forbidden: cause(3040, 'Forbidden', 'CALL_REJECTED'),
  unallocated: cause(3050, 'Unallocated number', 'UNALLOCATED_NUMBER'),
  requestTimeout: cause(3070, 'Request timeout', 'RECOVERY_ON_TIMER_EXPIRE'),
  carrierError: cause(3080, 'Internal server error from carrier', 'NORMAL_TEMPORARY_FAILURE'),
  congestion: cause(3090, 'Network congestion from carrier', 'SWITCH_CONGESTION'),
  busyEverywhere: cause(3100, 'Busy everywhere', 'USER_BUSY'),
  declined: cause(3110, 'Declined', 'CALL_REJECTED'),
  doesNotExist: cause(3120, 'User does not exist anywhere', 'UNALLOCATED_NUMBER'),
  normal: cause(4000, 'Normal Hangup', 'NORMAL_CLEARING'),
  endOfXml: cause(4010, 'End Of XML Instructions', 'NORMAL_CLEARING'),
  networkError: cause(5000, 'Network Error', 'NETWORK_OUT_OF_ORDER'),
  internalError: cause(5010, 'Internal Error', 'SERVER_ERROR'),
  routingError: cause(5020, 'Routing Error', 'NO_ROUTE_DESTINATION'),
  scheduledHangup: cause(6000, 'Scheduled Hangup', 'ALLOTTED_TIMEOUT'),
  ringTimeout: cause(6010, 'Ring Timeout Reached', 'NO_ANSWER'),
  mediaTimeout: cause(6020, 'Media Timeout', 'MEDIA_TIMEOUT'),
  answerUrlError: cause(7011, 'Error Reaching Answer URL', 'NORMAL_TEMPORARY_FAILURE'),
  actionUrlError: cause(7012, 'Error Reaching Action URL', 'NORMAL_TEMPORARY_FAILURE'),
  transferUrlError: cause(7013, 'Error Reaching Transfer URL', 'NORMAL_TEMPORARY_FAILURE'),
  redirectUrlError: cause(7014, 'Error Reaching Redirect URL', 'NORMAL_TEMPORARY_FAILURE'),
  invalidAnswerXml: cause(8011, 'Invalid Answer XML', 'NORMAL_TEMPORARY_FAILURE'),
  invalidActionXml: cause(8012, 'Invalid Action XML', 'NORMAL_TEMPORARY_FAILURE'),
  invalidTransferXml: cause(8013, 'Invalid Transfer XML', 'NORMAL_TEMPORARY_FAILURE'),
  invalidRedirectXml: cause(8014, 'Invalid Redirect XML', 'NORMAL_TEMPORARY_FAILURE'),
  lostRace: cause(9000, 'Lost Race', 'LOSE_RACE'),
  confirmKeyFailed: cause(9110, 'Confirm Key Challenge Failed', 'NORMAL_CLEARING'),
} as const satisfies Record<string, HangupCause>;

export type HangupCauseKey = keyof typeof HANGUP_CAUSES;

/**
 * The cause of a SIP final failure response (RFC 3398 style; Vobiz documents no mapping,
 * so this follows the reason phrases its 30xx names mirror).
 */
export function causeOfSipStatus(status: number): HangupCause {
  switch (status) {
    case 403:
      return HANGUP_CAUSES.forbidden;
    case 404:
      return HANGUP_CAUSES.unallocated;
    case 408:
      return HANGUP_CAUSES.requestTimeout;
    case 480:
      return HANGUP_CAUSES.noAnswer;
    case 484:
      return HANGUP_CAUSES.invalidDestination;
    case 486:
      return HANGUP_CAUSES.busy;
    case 487:
      return HANGUP_CAUSES.canceled;
    case 502:
      return HANGUP_CAUSES.destinationOutOfService;
    case 503:
      return HANGUP_CAUSES.congestion;
    case 600:
      return HANGUP_CAUSES.busyEverywhere;
    case 603:
      return HANGUP_CAUSES.declined;
    case 604:
      return HANGUP_CAUSES.doesNotExist;
    default:
      if (status >= 500 && status < 600) return HANGUP_CAUSES.carrierError;
      return HANGUP_CAUSES.rejected;
  }
}
