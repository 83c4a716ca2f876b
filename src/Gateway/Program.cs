using MassRouter.ControlApi.Configuration;
using MassRouter.Gateway;

return await StartupErrors.RunAsync("MassRouter", () => GatewayHost.BuildAsync(args, ownsProcess: true));
