export { startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
export { gatewayConfig, type GatewayConfig } from './config.js';
