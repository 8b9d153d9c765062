using System.Net;
using System.Net.Sockets;

namespace Feeds.Admission;

/// <summary>
/// Who causes a render: a client by its address (an IPv6 client by its /64, the block one host is given), or
/// Feeds itself (<see cref="Background"/>: WebSub's renders before a ping), which has no budget and may wait.
/// </summary>
public sealed record ClientId(string Name)
{
    public static readonly ClientId Background = new("");

    public bool IsBackground => Name.Length == 0;

    public static ClientId Of(IPAddress? address)
    {
        if (address is null)
        {
            return new ClientId("unknown");
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return new ClientId($"{new IPAddress(bytes)}/64");
        }
        return new ClientId(address.ToString());
    }

    /// <summary>
    /// The networks the client's address belongs to, each with a budget of its own: an IPv4 address's /24, an
    /// IPv6 /64's /56 and /48 (what one customer of a provider is commonly given). Empty for Feeds itself and an
    /// unknown peer.
    /// </summary>
    public string[] Networks()
    {
        var slash = Name.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? Name : Name[..slash], out var address))
        {
            return [];
        }
        var bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            return [$"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24"];
        }
        bytes[7] = 0;
        var slash56 = $"{new IPAddress(bytes)}/56";
        bytes[6] = 0;
        return [slash56, $"{new IPAddress(bytes)}/48"];
    }

    public override string ToString() => IsBackground ? "Feeds" : Name;
}
