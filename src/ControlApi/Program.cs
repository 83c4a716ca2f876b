using MassRouter.ControlApi;
using MassRouter.ControlApi.Configuration;

return await StartupErrors.RunAsync("MassRouter control API", () => ControlApiHost.BuildAsync(args));
