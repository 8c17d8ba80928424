import { Module } from '@nestjs/common';
import { ErasureCompletion } from '../processes/erasure-completion.process';
import { COMMAND_LIST } from './command.catalogue';
import { CommandDispatcher } from './command-dispatcher';
import { CommandExecutor } from './command-executor';
import { commandsController } from './commands.controller';

/** Every command's HTTP route, the dispatcher the ingest routes share, and their effects. */
@Module({
  controllers: [commandsController(COMMAND_LIST)],
  providers: [CommandExecutor, CommandDispatcher, ErasureCompletion],
  exports: [CommandDispatcher, CommandExecutor],
})
export class CommandsModule {}
