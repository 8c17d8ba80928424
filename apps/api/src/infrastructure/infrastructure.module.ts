import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import {
  CHECKPOINT_STORE,
  MESSAGE_BUS,
  type CheckpointStore,
  type MessageBus,
} from '@rapport/messaging';
import { Authenticator, Metrics, type AppConfig, type Logger } from '@rapport/platform';
import { READ_STORE, type ReadStore } from '@rapport/read-models';
import {
  DataKeys,
  KEY_STORE,
  MasterKeyRing,
  PersonalDataCipher,
  type KeyStore,
} from '@rapport/privacy';
import { Adapters } from '@rapport/wiring';
import type { PreparedDataDir } from './data-dir';
import {
  APP_CONFIG,
  CLOCK,
  DATA_DIR,
  GUARANTEES_OFF,
  LOGGER,
  RECORD_VIEWS,
  type BenchmarkedGuarantee,
  type Clock,
} from './tokens';

export interface InfrastructureOptions {
  config: AppConfig;
  prepared: PreparedDataDir;
  logger: Logger;
  clock?: Clock;
  /** See RECORD_VIEWS: not configurable, only benchmarks pass false. */
  recordViews?: boolean;
  /** See GUARANTEES_OFF: not configurable, only the HTTP benchmark passes any. */
  guaranteesOff?: readonly BenchmarkedGuarantee[];
  /** See ApiAppOptions.eventStore: tests only, a log the caller opened and closes. */
  eventStore?: EventStore;
}

const PREPARED = Symbol('PREPARED');
/** Whether the event store was opened here (and so is closed here). */
const OWNS_EVENT_STORE = Symbol('OWNS_EVENT_STORE');

/** Closes the stores after the HTTP server has stopped and in-flight requests are done. */
class StoresLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(KEY_STORE) private readonly keyStore: KeyStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    private readonly adapters: Adapters,
    @Inject(PREPARED) private readonly prepared: PreparedDataDir,
    @Inject(OWNS_EVENT_STORE) private readonly ownsEventStore: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsEventStore) await this.eventStore.close();
    await this.keyStore.close();
    await this.readStore.close();
    await this.checkpoints.close();
    await this.adapters.close();
    this.prepared.release();
  }
}

/** The adapters behind every port, chosen by configuration (see libs/wiring). */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot({
    config,
    prepared,
    logger,
    clock,
    recordViews,
    guaranteesOff,
    eventStore,
  }: InfrastructureOptions): DynamicModule {
    const now = clock ?? (() => new Date());
    const adapters = new Adapters(config, prepared.dataDir, logger, now);
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DATA_DIR, useValue: prepared.dataDir },
        { provide: CLOCK, useValue: now },
        { provide: RECORD_VIEWS, useValue: recordViews ?? true },
        { provide: GUARANTEES_OFF, useValue: new Set(guaranteesOff ?? []) },
        { provide: Adapters, useValue: adapters },
        { provide: PREPARED, useValue: prepared },
        { provide: Metrics, useValue: new Metrics() },
        { provide: Authenticator, useValue: new Authenticator(prepared.apiKeys, config.jwt) },
        { provide: OWNS_EVENT_STORE, useValue: eventStore === undefined },
        {
          provide: EVENT_STORE,
          useFactory: async (): Promise<EventStore> =>
            eventStore ?? adapters.requestPathEventStore(),
        },
        { provide: KEY_STORE, useFactory: (): Promise<KeyStore> => adapters.keyStore() },
        {
          provide: READ_STORE,
          useFactory: (): Promise<ReadStore> => adapters.readStore('serving'),
        },
        {
          provide: CHECKPOINT_STORE,
          useFactory: (): Promise<CheckpointStore> => adapters.checkpointStore(),
        },
        {
          provide: MESSAGE_BUS,
          useFactory: (): MessageBus | null => adapters.messageBus('rapport-api') ?? null,
        },
        {
          provide: PersonalDataCipher,
          inject: [KEY_STORE, Metrics],
          useFactory: (keys: KeyStore, metrics: Metrics) => {
            const dataKeys = new DataKeys(
              keys,
              new MasterKeyRing(prepared.masterKey, prepared.previousMasterKey),
            );
            metrics.watchCache('data_keys', dataKeys);
            return new PersonalDataCipher(dataKeys);
          },
        },
        StoresLifecycle,
      ],
      exports: [
        APP_CONFIG,
        LOGGER,
        CLOCK,
        RECORD_VIEWS,
        GUARANTEES_OFF,
        DATA_DIR,
        Adapters,
        Metrics,
        Authenticator,
        EVENT_STORE,
        KEY_STORE,
        READ_STORE,
        CHECKPOINT_STORE,
        MESSAGE_BUS,
        PersonalDataCipher,
      ],
    };
  }
}
