using System.Management.Automation;

namespace AppBan.Cmdlets
{
    /// <summary>Whether a cmdlet runs under -WhatIf, for the decisions ShouldProcess itself cannot make.</summary>
    internal static class WhatIfMode
    {
        /// <summary>The -WhatIf switch as bound (-WhatIf:$false included), else $WhatIfPreference. Pipeline thread only.</summary>
        internal static bool IsRequested(PSCmdlet cmdlet)
        {
            if (cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)) return ((SwitchParameter)whatIf).IsPresent;
            return LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
        }
    }
}
