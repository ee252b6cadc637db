import { runProviderContract } from '../../../test/contract/provider-contract.ts';
import { fluidstack } from './index.ts';

runProviderContract(fluidstack, { transitionMs: 60 });
