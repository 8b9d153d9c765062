<?xml version="1.0" encoding="utf-8"?>
<!--
  Shows an RSS 2.0 or Atom 1.0 feed of Feeds as a page in browsers that still run XSLT 1.0. The feed stays
  a valid feed (an xml-stylesheet processing instruction is not part of either format). No external asset.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" indent="no"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
    <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
    <html>
      <xsl:attribute name="lang"><xsl:value-of select="/rss/channel/language | /atom:feed/@xml:lang"/></xsl:attribute>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/></title>
        <style>
          body{margin:0;background:#fdfdfc;color:#1b1b1b;font:17px/1.7 system-ui,-apple-system,"PingFang TC","Noto Sans CJK TC","Microsoft JhengHei",sans-serif}
          :lang(zh-Hans) body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
          main{max-width:46rem;margin:0 auto;padding:1.25rem 1rem 3rem}
          h1{font-size:1.6rem;line-height:1.3}
          h2{font-size:1.15rem;border-bottom:1px solid #e3e3e0;padding-bottom:.25rem}
          h3{font-size:1.05rem;margin:0}
          a{color:#b3261e}
          .muted{color:#5f6368;font-size:.9rem}
          .about{border:1px solid #e3e3e0;border-radius:.5rem;padding:.75rem 1rem}
          .items{list-style:none;padding:0}
          .items li{padding:.75rem 0;border-bottom:1px solid #e3e3e0}
          code{overflow-wrap:anywhere;background:#eee;padding:.1rem .3rem}
        </style>
      </head>
      <body>
        <main>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="muted"><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
          <section class="about">
            <h2>這是一個訂閱源 · This is a news feed</h2>
            <p>把這個網址貼到你的 RSS 閱讀器（例如 NetNewsWire、Feedly、Miniflux、Thunderbird、newsboat），有新文章時就會自動收到。
              Copy this address into your feed reader to follow it:</p>
            <p><code><xsl:value-of select="$self"/></code></p>
          </section>
          <h2>最新文章 · Latest articles</h2>
          <ol class="items">
            <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="muted"><xsl:call-template name="rfc822-date"><xsl:with-param name="date" select="pubDate"/></xsl:call-template> · <xsl:value-of select="dc:creator"/></p>
      <p><xsl:call-template name="html-text"><xsl:with-param name="html" select="description"/></xsl:call-template></p>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <h3>
        <a href="{atom:link[@rel='alternate']/@href}">
          <xsl:choose>
            <xsl:when test="atom:title/@type = 'html'"><xsl:call-template name="html-text"><xsl:with-param name="html" select="atom:title"/></xsl:call-template></xsl:when>
            <xsl:otherwise><xsl:value-of select="atom:title"/></xsl:otherwise>
          </xsl:choose>
        </a>
      </h3>
      <!-- Atom's dates are in UTC (Z): shown so, not as if they were the site's time. -->
      <p class="muted"><xsl:value-of select="translate(substring(atom:published, 1, 16), 'T', ' ')"/><xsl:if test="substring(atom:published, string-length(atom:published)) = 'Z'"> UTC</xsl:if> · <xsl:call-template name="byline"/></p>
      <p>
        <xsl:choose>
          <!-- Text that reads as markup is written as encoded HTML (AtomFeedFormat.Text): decoded the same way. -->
          <xsl:when test="atom:summary/@type = 'html'"><xsl:call-template name="html-text"><xsl:with-param name="html" select="atom:summary"/></xsl:call-template></xsl:when>
          <xsl:otherwise><xsl:value-of select="atom:summary"/></xsl:otherwise>
        </xsl:choose>
      </p>
    </li>
  </xsl:template>

  <!-- Every author on one line, as the RSS dc:creator (FeedEntry.Byline): "、" between CJK names, ", " once one
       name starts with a Latin letter or digit (XSLT 1.0 cannot compare code points). -->
  <xsl:template name="byline">
    <xsl:variable name="latin" select="atom:author[translate(substring(atom:name, 1, 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '') = '']"/>
    <xsl:for-each select="atom:author">
      <xsl:if test="position() &gt; 1">
        <xsl:choose><xsl:when test="$latin">, </xsl:when><xsl:otherwise>、</xsl:otherwise></xsl:choose>
      </xsl:if>
      <xsl:value-of select="atom:name"/>
    </xsl:for-each>
  </xsl:template>

  <!-- RSS description, and Atom text that reads as markup, are HTML that Feeds writes as text with only &amp;, &lt; and &gt; escaped (HtmlText.Encode):
       decoding those three shows the summary's text, without ever letting the browser read it as markup. -->
  <xsl:template name="html-text">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains($html, '&amp;')">
        <xsl:variable name="entity" select="substring-before(substring-after($html, '&amp;'), ';')"/>
        <xsl:value-of select="substring-before($html, '&amp;')"/>
        <xsl:choose>
          <xsl:when test="$entity = 'lt'">&lt;</xsl:when>
          <xsl:when test="$entity = 'gt'">&gt;</xsl:when>
          <xsl:when test="$entity = 'amp'">&amp;</xsl:when>
        </xsl:choose>
        <xsl:call-template name="html-text">
          <xsl:with-param name="html" select="substring-after(substring-after($html, '&amp;'), ';')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$html"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Feeds writes RFC 822 dates as "Sat, 28 Nov 2026 11:00:00 +0800" (two-digit day); shown as 2026-11-28 11:00, site time. -->
  <xsl:template name="rfc822-date">
    <xsl:param name="date"/>
    <xsl:variable name="month" select="(string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', substring($date, 9, 3))) div 3) + 1"/>
    <xsl:value-of select="concat(substring($date, 13, 4), '-', format-number($month, '00'), '-', substring($date, 6, 2), ' ', substring($date, 18, 5))"/>
  </xsl:template>
</xsl:stylesheet>
