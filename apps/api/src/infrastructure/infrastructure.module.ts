import { join } from 'node:path';
import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, SqliteEventStore, type EventStore } from '@rapport/event-store';
import { Authenticator, Metrics, type AppConfig, type Logger } from '@rapport/platform';
import { READ_STORE, SqliteReadStore, type ReadStore } from '@rapport/read-models';
import {
  DataKeys,
  KEY_STORE,
  PersonalDataCipher,
  SqliteKeyStore,
  type KeyStore,
} from '@rapport/privacy';
import type { PreparedDataDir } from './data-dir';
import { APP_CONFIG, CLOCK, DATA_DIR, LOGGER, type Clock } from './tokens';

export interface InfrastructureOptions {
  config: AppConfig;
  prepared: PreparedDataDir;
  logger: Logger;
  clock?: Clock;
}

/** Closes the stores after the HTTP server has stopped and in-flight requests are done. */
class StoresLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(KEY_STORE) private readonly keyStore: KeyStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.eventStore.close();
    await this.keyStore.close();
    await this.readStore.close();
  }
}

/** The adapters behind every port, chosen by configuration. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot({ config, prepared, logger, clock }: InfrastructureOptions): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DATA_DIR, useValue: prepared.dataDir },
        { provide: CLOCK, useValue: clock ?? (() => new Date()) },
        { provide: Metrics, useValue: new Metrics() },
        {
          provide: Authenticator,
          useValue: new Authenticator(prepared.apiKeys, config.jwtSecret),
        },
        {
          provide: EVENT_STORE,
          inject: [CLOCK],
          useFactory: (now: Clock): EventStore =>
            new SqliteEventStore({
              file: join(prepared.dataDir, 'events.db'),
              synchronous: config.sqliteSynchronous,
              clock: now,
            }),
        },
        {
          provide: KEY_STORE,
          useFactory: () => new SqliteKeyStore(join(prepared.dataDir, 'keys.db')),
        },
        {
          provide: READ_STORE,
          useFactory: (): ReadStore =>
            new SqliteReadStore(join(prepared.dataDir, 'read-models.db')),
        },
        {
          provide: PersonalDataCipher,
          inject: [KEY_STORE],
          useFactory: (keys: KeyStore) =>
            new PersonalDataCipher(new DataKeys(keys, prepared.masterKey)),
        },
        StoresLifecycle,
      ],
      exports: [
        APP_CONFIG,
        LOGGER,
        CLOCK,
        DATA_DIR,
        Metrics,
        Authenticator,
        EVENT_STORE,
        KEY_STORE,
        READ_STORE,
        PersonalDataCipher,
      ],
    };
  }
}
