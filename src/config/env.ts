// The environment, read once. Every REACHWATCH_*, TWILIO_*, PORT, HOST and LOG_LEVEL the daemon
// understands is named here and nowhere else, so the configuration reference can list them all and a
// test can tell that no other file reaches into process.env. Values are handed to the config sections
// as plain strings; what they mean, and what is wrong with them, is each section's business.

/** Where values come from: process.env in production, a plain object in tests. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface Environment {
  /** REACHWATCH_CONFIG as given ('' included: an empty value means "no file", as it always has). */
  configFile: string | undefined;
  dataDir: string | undefined;
  registryFile: string | undefined;
  port: string | undefined;
  host: string | undefined;
  logLevel: string | undefined;
  logFormat: string | undefined;
  operatorToken: string | undefined;
  /** The regional agent's token (`reachwatch agent`), never in a file. */
  agentToken: string | undefined;
  publicUrl: string | undefined;
  boardUrl: string | undefined;
  smtpPassword: string | undefined;
  telegramApiUrl: string | undefined;
  telegramBotToken: string | undefined;
  smsFrom: string | undefined;
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    from: string | undefined;
    baseUrl: string | undefined;
    timeout: string | undefined;
  };
  sip: {
    user: string | undefined;
    password: string | undefined;
  };
  /** A variable a subscription names in its secret_env key (the name is the operator's choice). */
  secret(name: string): string | undefined;
}

/** Every variable, with what it is for: the configuration reference is checked against this list. */
export const ENVIRONMENT_VARIABLES = [
  { name: 'REACHWATCH_CONFIG', meaning: 'The configuration file; default config/reachwatch.yaml when it exists, else built-in defaults only.' },
  { name: 'REACHWATCH_DATA_DIR', meaning: 'The data folder (database, lock); wins over data_dir.' },
  { name: 'REACHWATCH_REGISTRY', meaning: 'The center registry file; wins over registry.file.' },
  { name: 'PORT', meaning: 'The API port; wins over http.port.' },
  { name: 'HOST', meaning: 'The API listen address; wins over http.host.' },
  { name: 'LOG_LEVEL', meaning: 'fatal, error, warn, info, debug, trace or silent; wins over log.level.' },
  { name: 'REACHWATCH_LOG_FORMAT', meaning: 'auto, json or pretty; wins over log.format.' },
  { name: 'REACHWATCH_OPERATOR_TOKEN', meaning: 'A legacy operator token that has no row in the token table.' },
  { name: 'REACHWATCH_AGENT_TOKEN', meaning: "A regional agent's token (rwa_…), for `reachwatch agent enroll` and `agent run` only; an admin creates it with `reachwatch agents create`." },
  { name: 'REACHWATCH_PUBLIC_URL', meaning: 'Where Twilio reaches this daemon\'s webhooks; also the board address when alerts.board_url is unset.' },
  { name: 'REACHWATCH_BOARD_URL', meaning: 'Where the board is published (alerts link to it); alerts.board_url wins over it.' },
  { name: 'REACHWATCH_SMTP_PASSWORD', meaning: 'The SMTP password; required when alerts.smtp.user is set.' },
  { name: 'REACHWATCH_TELEGRAM_BOT_TOKEN', meaning: 'The Telegram bot token; Telegram alerts are off without it.' },
  { name: 'REACHWATCH_TELEGRAM_API_URL', meaning: 'Another Telegram Bot API server; wins over alerts.telegram.api_url.' },
  { name: 'REACHWATCH_SMS_FROM', meaning: 'The sender of SMS alerts; wins over alerts.sms.from, else REACHWATCH_TWILIO_FROM.' },
  { name: 'TWILIO_ACCOUNT_SID', meaning: 'Twilio account; telephony (Lookups, calls, SMS) is off without it.' },
  { name: 'TWILIO_AUTH_TOKEN', meaning: 'Twilio auth token; telephony is off without it.' },
  { name: 'REACHWATCH_TWILIO_FROM', meaning: 'The number the probe calls come from; telephony is off without it.' },
  { name: 'REACHWATCH_TWILIO_BASE_URL', meaning: 'Sends every Twilio REST request to this base URL instead (tests, the demo, a proxy).' },
  { name: 'REACHWATCH_TWILIO_TIMEOUT', meaning: 'How long one Twilio REST request may take, 1s to 10m; default 30s.' },
  { name: 'REACHWATCH_SIP_USER', meaning: 'The SIP trunk\'s user name (digest authentication); required when sip.proxy is set.' },
  { name: 'REACHWATCH_SIP_PASSWORD', meaning: 'The SIP trunk\'s password; without it calls go unauthenticated (a trunk that trusts our address).' },
] as const;

export type EnvironmentVariable = (typeof ENVIRONMENT_VARIABLES)[number]['name'];

/** Reads the environment into named settings; `source` is process.env unless a test hands one in. */
export function readEnv(source: EnvSource = process.env): Environment {
  const get = (name: EnvironmentVariable): string | undefined => source[name];
  return {
    configFile: get('REACHWATCH_CONFIG'),
    dataDir: get('REACHWATCH_DATA_DIR'),
    registryFile: get('REACHWATCH_REGISTRY'),
    port: get('PORT'),
    host: get('HOST'),
    logLevel: get('LOG_LEVEL'),
    logFormat: get('REACHWATCH_LOG_FORMAT'),
    operatorToken: get('REACHWATCH_OPERATOR_TOKEN'),
    agentToken: get('REACHWATCH_AGENT_TOKEN'),
    publicUrl: get('REACHWATCH_PUBLIC_URL'),
    boardUrl: get('REACHWATCH_BOARD_URL'),
    smtpPassword: get('REACHWATCH_SMTP_PASSWORD'),
    telegramApiUrl: get('REACHWATCH_TELEGRAM_API_URL'),
    telegramBotToken: get('REACHWATCH_TELEGRAM_BOT_TOKEN'),
    smsFrom: get('REACHWATCH_SMS_FROM'),
    twilio: {
      accountSid: get('TWILIO_ACCOUNT_SID'),
      authToken: get('TWILIO_AUTH_TOKEN'),
      from: get('REACHWATCH_TWILIO_FROM'),
      baseUrl: get('REACHWATCH_TWILIO_BASE_URL'),
      timeout: get('REACHWATCH_TWILIO_TIMEOUT'),
    },
    sip: { user: get('REACHWATCH_SIP_USER'), password: get('REACHWATCH_SIP_PASSWORD') },
    secret: (name) => source[name],
  };
}
