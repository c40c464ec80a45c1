export { ReplayModel, replayProvider } from './replay-model.ts';
