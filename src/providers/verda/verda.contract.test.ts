import { runProviderContract } from '../../../test/contract/provider-contract.ts';
import { verda } from './index.ts';

runProviderContract(verda, { transitionMs: 60 });
