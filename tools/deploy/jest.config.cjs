// Offline checks of what ships: Dockerfiles, docker-compose.yml and the rendered Kubernetes manifests.
module.exports = require('../../jest.preset.cjs')(__dirname, 'deploy');
