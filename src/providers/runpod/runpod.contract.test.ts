import { runProviderContract } from '../../../test/contract/provider-contract.ts';
import { runpod } from './index.ts';

runProviderContract(runpod, { transitionMs: 60 });
